export { ticketsRouter } from './routes';
export { listTickets, openOrUpdateTicket, openTicketRows, openTicketsOf, toWireTicket } from './tickets';
