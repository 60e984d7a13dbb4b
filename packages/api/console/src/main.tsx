import './console.css';
// The insights page is loaded on demand (its own chunk), but its styles ship with the page's one
// stylesheet: an ES module chunk cannot bring its CSS along.
import './insights.css';
import { render } from 'preact';
import { App } from './app';
import { createConsoleStore } from './store';

const store = createConsoleStore();
document.documentElement.lang = store.state.lang;
render(<App store={store} />, document.getElementById('app')!);
void store.restore();
