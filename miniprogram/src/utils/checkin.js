// The rotating check-in token is the mini-program code's `scene`: "<event_id>.<rest>", at most 32 characters.

// Undo URL encoding (the camera path may encode it once more than the scanCode path).
function decodeScene(value) {
  var s = String(value || '');
  for (var i = 0; i < 3 && /%[0-9a-fA-F]{2}/.test(s); i++) {
    try { s = decodeURIComponent(s); } catch (e) { break; }
  }
  return s.trim();
}

// The event id is everything before the first dot; null when the token has no such shape.
function eventIdOf(token) {
  var m = /^(\d+)\.(.+)$/.exec(token || '');
  return m ? parseInt(m[1], 10) : null;
}

function queryParam(query, name) {
  var parts = query.split('&');
  for (var i = 0; i < parts.length; i++) {
    var eq = parts[i].indexOf('=');
    var key = eq >= 0 ? parts[i].slice(0, eq) : parts[i];
    if (key === name) return eq >= 0 ? parts[i].slice(eq + 1) : '';
  }
  return null;
}

// The token from a wx.scanCode result: the mini-program code gives `path` "pages/checkin/checkin?scene=…".
function tokenFromScan(res) {
  if (res && res.path) {
    var q = res.path.indexOf('?');
    var scene = q >= 0 ? queryParam(res.path.slice(q + 1), 'scene') : null;
    if (scene) return decodeScene(scene);
  }
  var raw = decodeScene(res && res.result);
  return eventIdOf(raw) !== null ? raw : '';
}

module.exports = { decodeScene: decodeScene, eventIdOf: eventIdOf, tokenFromScan: tokenFromScan };
