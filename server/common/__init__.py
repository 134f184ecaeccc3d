"""Small shared pieces every feature uses: time, months, field crypto, rate limits, request facts."""
