import './console.css';
import { render } from 'preact';
import { App } from './app';
import { createConsoleStore } from './store';

const store = createConsoleStore();
document.documentElement.lang = store.state.lang;
render(<App store={store} />, document.getElementById('app')!);
void store.restore();
