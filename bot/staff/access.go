package staff

import (
	"frontdoor/bot/fault"
	"frontdoor/bot/ticket"
)

// ErrNoReports is the answer to staff asking for the dashboard or reports:
// those are for the managers who review the units.
var ErrNoReports = fault.New(fault.Forbidden, "reports_forbidden", "看板和报表仅对管理人员开放")

// CanSee reports whether u may see and act on a ticket. Staff see what is
// routed to their unit and their region's hand-offs; managers their
// region; admins every ticket of their tenant. Units are matched within
// the user's region, since two regions may each have a 区政数局.
func (u *User) CanSee(t *ticket.Ticket) bool {
	if u == nil || t == nil || u.Disabled || t.Tenant != u.Tenant {
		return false
	}
	switch u.Role {
	case RoleAdmin:
		return true
	case RoleManager:
		return t.Region == u.Region
	case RoleStaff:
		return t.Region == u.Region && (t.HasUnit(u.Unit) || t.Kind == ticket.Handoff)
	}
	return false
}

// CanReport reports whether u may read a region's figures: its managers
// and admins may; staff may not.
func (u *User) CanReport(region string) bool {
	if u == nil || u.Disabled {
		return false
	}
	switch u.Role {
	case RoleAdmin:
		return true
	case RoleManager:
		return region == u.Region
	}
	return false
}

// Queries are the ticket indexes that together hold every ticket u may
// see; the caller still filters with CanSee (an index of a unit name
// spans regions).
func (u *User) Queries(limit int) []ticket.Query {
	base := ticket.Query{Tenant: u.Tenant, Limit: limit}
	switch u.Role {
	case RoleAdmin:
		return []ticket.Query{base}
	case RoleManager:
		q := base
		q.Region = u.Region
		return []ticket.Query{q}
	case RoleStaff:
		unit, handoffs := base, base
		unit.Unit = u.Unit
		handoffs.Handoffs, handoffs.Region = true, u.Region
		return []ticket.Query{unit, handoffs}
	}
	return nil
}

// CanEdit reports whether u may change a region's knowledge base: its
// editors and admins may.
func (u *User) CanEdit(region string) bool {
	if u == nil || u.Disabled {
		return false
	}
	switch u.Role {
	case RoleAdmin:
		return true
	case RoleEditor:
		return region == u.Region
	}
	return false
}
