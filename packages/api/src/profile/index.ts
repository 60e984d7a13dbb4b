export { isVipCustomer, selectCustomer, upsertCustomerProfile } from './customers';
export { type OrderRow, recentOrdersOf, toOrderViews, upsertOrders } from './orders';
export { maskPii, openPii, type PiiField, sealPii } from './pii';
export {
  buildCustomerProfile,
  buildProfileBrief,
  buildProfileBriefs,
  customerHandles,
  phoneOnFile,
  revealPii,
} from './profile';
export { profileRouter } from './routes';
export {
  type CartLine,
  currentCart,
  currentCarts,
  openTrackedEvents,
  recordCustomerEvents,
  sealTrackedEventsInTheClear,
  trackEvent,
} from './track';
