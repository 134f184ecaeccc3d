// A notice of GET /me/notices as a line in a list (home page, all notices).
var format = require('./format');

function toLine(n) {
  return { id: n.id, title: n.title, when: format.formatDate(n.created_at), read: !!n.read };
}

module.exports = { toLine: toLine };
