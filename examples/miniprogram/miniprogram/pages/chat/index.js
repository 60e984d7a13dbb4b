Page({
  // Opened from a handoff link (?handoff=<code>) or a mini-program code whose scene holds the
  // 6-digit short code (`h=123456`): continue the same conversation here.
  onLoad(query) {
    if (query && (query.handoff || query.scene)) {
      getApp()
        .threadline.resume(query)
        .catch((error) => wx.showToast({ title: `接续失败：${error.code}`, icon: 'none' }));
    }
  },
  onStatus(event) {
    if (event.detail.status === 'queued') wx.showToast({ title: '已为您转接人工客服', icon: 'none' });
  },
  onHandoff(event) {
    wx.setClipboardData({ data: event.detail.shortCode });
  },
  onError(event) {
    console.warn('[threadline-chat]', event.detail.code, event.detail.message);
  },
});
