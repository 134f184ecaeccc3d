// A meeting's minutes (会议记录) on the secretary's phone: chair, recorder, topic, content and decisions, the
// attendance as the check-ins say, up to 9 photos (wx.chooseMedia + wx.uploadFile), lock, and the printout.
var minutesApi = require('../../../api/minutes');
var page = require('../../../utils/page');
var doc = require('../../../utils/document');
var wxp = require('../../../utils/wxp');

var MAX_PHOTOS = 9;
var FIELDS = ['chair', 'recorder', 'topic', 'content', 'decisions'];

Page(page.staff({
  data: {
    eventId: null, title: '', locked: false, version: 0, chair: '', recorder: '', topic: '', content: '',
    decisions: '', attendees: [], absentees: [], photos: [], room: MAX_PHOTOS
  },

  onLoad: function (query) {
    this.eventId = parseInt(query.event_id, 10);
    this.setData({ eventId: this.eventId });
  },

  load: function () {
    var self = this;
    return minutesApi.get(self.eventId).then(function (m) {
      var patch = {
        title: m.event.title, locked: m.status === 'locked', version: m.version,
        attendees: m.attendees.map(function (a) { return { key: a.member_id, name: a.name, note: a.note }; }),
        absentees: m.absentees.map(function (a) {
          return { key: a.member_id, name: a.name, reason: a.reason, kindLabel: a.kind === 'on_leave' ? '请假' : '缺席' };
        }),
        photos: m.photos.map(function (p) { return { id: p.id, name: p.file_name, path: '' }; }),
        room: MAX_PHOTOS - m.photos.length
      };
      FIELDS.forEach(function (name) { patch[name] = m[name] || ''; });
      self.setData(patch);
      return self.loadPhotos();
    });
  },

  // Each photo's phone copy to a temporary file, so <image> can show it.
  loadPhotos: function () {
    var self = this;
    return Promise.all(self.data.photos.map(function (photo, index) {
      return minutesApi.downloadPhoto(self.eventId, photo.id).then(function (res) {
        var patch = {};
        patch['photos[' + index + '].path'] = res.tempFilePath;
        self.setData(patch);
      }, function () { return null; });
    }));
  },

  save: function () {
    var self = this;
    var body = {};
    FIELDS.forEach(function (name) { body[name] = self.data[name].trim() || null; });
    return self.act(function () {
      return minutesApi.save(self.eventId, body).then(function (m) {
        self.setData({ version: m.version });
        wx.showToast({ title: '已保存', icon: 'success' });
      });
    });
  },

  addPhotos: function () {
    var self = this;
    if (self.data.room <= 0) {
      wx.showToast({ title: '每次会议最多 ' + MAX_PHOTOS + ' 张照片', icon: 'none' });
      return Promise.resolve();
    }
    return wxp.call('chooseMedia', { count: self.data.room, mediaType: ['image'], sizeType: ['compressed'] })
      .then(function (res) {
        var files = res.tempFiles || [];
        return self.act(function () {
          return files.reduce(function (chain, file) {
            return chain.then(function () { return minutesApi.uploadPhoto(self.eventId, file.tempFilePath); });
          }, Promise.resolve()).then(function () {
            wx.showToast({ title: '已上传', icon: 'success' });
          });
        }).then(function () { return self.reload(); });
      }, function () { return null; });  // cancelled in the picker
  },

  removePhoto: function (e) {
    var self = this;
    var photo = self.data.photos[e.currentTarget.dataset.index];
    return wxp.call('showModal', { title: '删除照片', content: '确定删除这张照片吗？' }).then(function (res) {
      if (!res.confirm) return null;
      return self.act(function () {
        return minutesApi.deletePhoto(self.eventId, photo.id);
      }).then(function () { return self.reload(); });
    });
  },

  lock: function () {
    var self = this;
    return wxp.call('showModal', { title: '锁定会议记录', content: '锁定后内容和照片都不能再修改，确定锁定吗？' }).then(function (res) {
      if (!res.confirm) return null;
      return self.act(function () {
        return minutesApi.lock(self.eventId).then(function () {
          self.setData({ locked: true });
          wx.showToast({ title: '已锁定', icon: 'success' });
        });
      });
    });
  },

  openRecord: function (e) {
    var fileType = e.currentTarget.dataset.type;
    var eventId = this.eventId;
    return this.act(function () {
      return doc.open(minutesApi.downloadRecord(eventId, fileType), fileType);
    });
  }
}));
