export { ticketsRouter } from './routes';
export { listTickets, openOrUpdateTicket, openTicketsOf, toWireTicket } from './tickets';
