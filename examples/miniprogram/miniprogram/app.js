const { createThreadline } = require('@threadline/sdk-miniprogram');
const config = require('./config');

App({
  onLaunch() {
    // One client for the whole app; <threadline-chat> finds it as getApp().threadline.
    this.threadline = createThreadline({ appKey: config.appKey, apiUrl: config.apiUrl });
    this.threadline.on('error', (error) => console.warn('[threadline]', error.code, error.message));
    // wx.login → the API exchanges the code (jscode2session) for openid + unionid, so the shopper is
    // the same person here as on the web, the app and the official account. Until the merchant has
    // set the WeChat appid/secret on the API this fails, and the chat simply starts anonymously.
    this.threadline
      .loginWithWechat()
      .catch((error) => console.warn('[threadline] WeChat login:', error.code));
  },
});
