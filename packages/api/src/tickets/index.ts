export { ticketsRouter } from './routes';
export {
  listTickets,
  openOrUpdateTicket,
  openTicketRows,
  openTicketsOf,
  openTicketsOfMany,
  type TicketRow,
  toWireTicket,
} from './tickets';
