Page({
  data: { handoff: '' },
  // Opened from a handoff link (?handoff=<code>) or a mini-program code whose scene holds the link
  // code (`h=<code>`): the component asks the shopper before it continues anything, and shows whose
  // conversation it was only after they said yes.
  onLoad(query) {
    if (query && (query.handoff || query.scene)) this.setData({ handoff: query.handoff || query.scene });
  },
  onResume(event) {
    if (!event.detail.ok && event.detail.code !== 'declined')
      console.warn('[threadline-chat] link not continued:', event.detail.code);
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
