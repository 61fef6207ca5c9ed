package console

// Names the external tests read: the API's views decode the JSON they
// check, and the constants are the ones the pages and streams use.
type (
	TicketView = ticketView
	EventView  = eventView
	ItemView   = itemView
)

const (
	SessionCookie = sessionCookie
	CSRFHeader    = csrfHeader
	StateMet      = stateMet
	SSEHeartbeat  = sseHeartbeat
)
