export { currentCart, trackEvent } from './track';
