export { ticketsRouter } from './routes';
export { openOrUpdateTicket, openTicketsOf, toWireTicket } from './tickets';
