export { resolveChannelSender } from './channels';
export { channelsRouter } from './routes';
