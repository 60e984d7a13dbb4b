export { ticketsRouter } from './routes';
export { openOrUpdateTicket, openTicketRows, openTicketsOf, toWireTicket } from './tickets';
