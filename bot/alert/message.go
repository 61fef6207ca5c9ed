package alert

import (
	"fmt"
	"strings"
	"time"

	"frontdoor/bot/fault"
	"frontdoor/bot/privacy"
	"frontdoor/bot/ticket"
)

// titles head each kind's message; the rungs of 督办 are named as the
// tickets name them.
var titles = map[string]string{NewTicket: "新工单", Handoff: "新的人工服务请求", Returned: "退单待改派",
	Warning: "时限预警", Level1: ticket.LevelName(1), Level2: ticket.LevelName(2), Level3: ticket.LevelName(3)}

// maxQuote bounds how much of the business's words an alert quotes.
const maxQuote = 80

// render writes the alert as WeCom markdown: what happened, to which
// ticket, for which unit, by when (in loc, the official calendar's zone),
// and a link to the ticket. Personal numbers in the business's words are
// masked: the message leaves for another company's servers.
func render(a Alert, t *ticket.Ticket, consoleURL string, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**【%s】%s**\n", titles[a.Kind], t.ID)
	fmt.Fprintf(&b, "> 区域:%s · 类型:%s\n", t.Region, t.Kind.Chinese())
	fmt.Fprintf(&b, "> 单位:<font color=\"warning\">%s</font>\n", unitOf(a, t))
	switch a.Kind {
	case Returned:
		fmt.Fprintf(&b, "> 退单:%s(%s)\n", a.Data["unit"], quote(a.Text))
	case NewTicket:
		switch a.Event {
		case ticket.EvTransferred:
			fmt.Fprintf(&b, "> 转自:%s(%s)\n", a.Data["from"], quote(a.Text))
		case ticket.EvTaskAdded:
			fmt.Fprintf(&b, "> 协办:%s(%s 前完成)\n", quote(a.Text), when(a.Data["due"], loc))
		}
	case Warning:
		what := ticket.ClockLabel(a.Data["clock"])
		if a.Event == ticket.EvTaskWarned {
			what = "协办任务"
		}
		fmt.Fprintf(&b, "> 时限:%s 将于 %s 到期\n", what, when(a.Data["due"], loc))
	case Level1, Level2, Level3:
		fmt.Fprintf(&b, "> 已超期,启动%s\n", titles[a.Kind])
	}
	if due := t.Due(); !due.IsZero() && a.Kind != Warning {
		fmt.Fprintf(&b, "> 截止:%s\n", due.In(loc).Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(&b, "> 诉求:%s\n", quote(t.Text))
	if consoleURL != "" {
		fmt.Fprintf(&b, "[打开工单](%s/console/tickets/%s)", strings.TrimRight(consoleURL, "/"), t.ID)
	}
	return b.String()
}

// quote masks personal numbers and clips to maxQuote runes.
func quote(s string) string {
	return fault.Clip(strings.Join(strings.Fields(privacy.MaskOutbound(s)), " "), maxQuote)
}

func when(rfc3339 string, loc *time.Location) string {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return rfc3339
	}
	return t.In(loc).Format("2006-01-02 15:04")
}
