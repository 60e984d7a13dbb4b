// The demo shop: the product list, a cart that tells Threadline about `add_to_cart`, and a login
// that asks the merchant backend (examples/merchant-backend) for an identity token and hands it to
// the widget's client. Keys come from /shop/config.json at run time, never from this file.
import { productArt } from './product-art.js';

const $ = (selector) => document.querySelector(selector);

const config = await fetch('config.json').then((r) => r.json());
const client = window.Threadline.init({
  appKey: config.publishableKey,
  apiUrl: config.apiUrl,
  lang: config.lang,
  // The shop's login lasts as long as the browser session; so does the shopper's chat.
  forgetOnClose: true,
});

const products = await fetch('products.json').then((r) => r.json());
let cart = 0;
const list = $('#products');
for (const product of products) {
  const item = document.createElement('li');
  item.className = 'card';
  item.dataset.productId = product.id;
  item.innerHTML = `<div class="pic"></div><div class="info"><h2></h2><div class="meta"></div><div class="buy"><button type="button" data-action="add-to-cart">加入购物车</button><span class="price"></span></div></div>`;
  item.querySelector('.pic').innerHTML = productArt(product);
  item.querySelector('h2').textContent = product.name;
  item.querySelector('.meta').textContent = product.size ?? '';
  item.querySelector('.price').textContent = `¥${product.price}`;
  item.querySelector('button').addEventListener('click', async () => {
    $('#cart-count').textContent = String(++cart);
    await client.track('add_to_cart', { productId: product.id, name: product.name, price: product.price });
  });
  list.append(item);
}

function showUser(user) {
  $('#user').hidden = !user;
  $('#user').textContent = user ? `👋 ${user.name}` : '';
  $('#login').hidden = Boolean(user);
  $('#logout').hidden = !user;
}
showUser(JSON.parse(sessionStorage.getItem('demo-shop-user') ?? 'null'));

$('#login').addEventListener('click', async () => {
  // The shop's own login; its backend signs the shared identity token for Threadline.
  const answer = await fetch('/merchant/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'demo' }),
  }).then((r) => r.json());
  await client.identify(answer.identityToken);
  sessionStorage.setItem('demo-shop-user', JSON.stringify(answer.user));
  showUser(answer.user);
});

$('#logout').addEventListener('click', async () => {
  // Logging out must call reset(): otherwise the next person at this computer sees this one's chat.
  await client.reset();
  sessionStorage.removeItem('demo-shop-user');
  showUser(null);
});

document.body.dataset.ready = 'true';
