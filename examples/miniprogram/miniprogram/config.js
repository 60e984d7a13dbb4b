// Where the example talks to. `npm start` at the repository root prints both (and writes them to
// .threadline/demo.json). In WeChat devtools tick 详情 → 本地设置 → 不校验合法域名 for a local
// http:// API; a real mini-program needs an https:// API listed under request 合法域名.
module.exports = {
  apiUrl: 'http://127.0.0.1:3000',
  appKey: 'pk_replace_with_your_publishable_key',
};
