package console

import (
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"frontdoor/bot/fault"
	"frontdoor/bot/staff"
	"frontdoor/handlers/httpkit"
	"frontdoor/knowledge"
)

// questionRequest is the body of POST /api/v1/kb/questions.
type questionRequest struct {
	Doc  string `json:"doc"`
	Item string `json:"item"`
	Text string `json:"text"`
}

// apiAddQuestion adds a question to an item, for the editors and admins
// of its region. POST /api/v1/kb/questions {"doc","item","text"}.
func (c *console) apiAddQuestion(g *gin.Context) error {
	var req questionRequest
	if err := c.kit.ReadJSON(g, &req); err != nil {
		return err
	}
	ed, err := c.engine.AddQuestion(g.Request.Context(), principalOf(g).user, req.Doc, req.Item, req.Text)
	if err != nil {
		return err
	}
	g.JSON(http.StatusCreated, ed)
	return nil
}

// apiEdits lists a region's knowledge-base edits, newest first: who
// changed what, when. GET /api/v1/kb/edits?region=R.
func (c *console) apiEdits(g *gin.Context) error {
	u := principalOf(g).user
	edits, err := c.engine.Edits(g.Request.Context(), u, g.DefaultQuery("region", u.Region))
	if err != nil {
		return err
	}
	g.JSON(http.StatusOK, gin.H{"edits": edits})
	return nil
}

// apiAddItem adds a curated item to a region, for its editors and
// admins. POST /api/v1/kb/items {"id","region","title","text",
// "lead_units","tags","conditions"}.
func (c *console) apiAddItem(g *gin.Context) error {
	var ci knowledge.CatalogueItem
	if err := c.kit.ReadJSON(g, &ci); err != nil {
		return err
	}
	ed, err := c.engine.AddItem(g.Request.Context(), principalOf(g).user, ci)
	if err != nil {
		return err
	}
	g.JSON(http.StatusCreated, ed)
	return nil
}

// apiRetireItem takes a curated item out of use.
// POST /api/v1/kb/items/:id/retire.
func (c *console) apiRetireItem(g *gin.Context) error {
	ed, err := c.engine.RetireItem(g.Request.Context(), principalOf(g).user, g.Param("id"))
	if err != nil {
		return err
	}
	g.JSON(http.StatusOK, ed)
	return nil
}

// synonymsRequest is the body of POST /api/v1/kb/synonyms.
type synonymsRequest struct {
	Region string   `json:"region"`
	Words  []string `json:"words"`
}

// apiAddSynonyms adds a synonym group to a region, for its editors and
// admins. POST /api/v1/kb/synonyms {"region","words":[…]}.
func (c *console) apiAddSynonyms(g *gin.Context) error {
	var req synonymsRequest
	if err := c.kit.ReadJSON(g, &req); err != nil {
		return err
	}
	u := principalOf(g).user
	if req.Region == "" {
		req.Region = u.Region
	}
	ed, err := c.engine.AddSynonyms(g.Request.Context(), u, req.Region, req.Words)
	if err != nil {
		return err
	}
	g.JSON(http.StatusCreated, ed)
	return nil
}

var errEditorsOnly = fault.New(fault.Forbidden, "editors_only", "仅知识编辑和系统管理员可以导出知识库")

// apiExport writes a document's questions — its file's and the editors'
// — as the questions file seeds/ keeps, (doc=catalogue.yaml) a region's
// curated items as the catalogue's items section, or (doc=synonyms.yaml)
// a region's own synonym groups as a synonyms section, for a region to
// review and commit. GET /api/v1/kb/export?doc=FILE[&region=R].
func (c *console) apiExport(g *gin.Context) error {
	u := principalOf(g).user
	if u.Role != staff.RoleEditor && u.Role != staff.RoleAdmin {
		return errEditorsOnly
	}
	doc := g.Query("doc")
	var data []byte
	var err error
	name := path.Base(doc)
	switch doc {
	case knowledge.CatalogueFile, knowledge.SynonymsFile: // the region's own
		region := g.DefaultQuery("region", u.Region)
		if !u.CanEdit(region) {
			return errEditorsOnly
		}
		if doc == knowledge.CatalogueFile {
			data, err = c.engine.KB().ExportItems(region)
			name = "catalogue-items-" + region + ".yaml"
		} else {
			data, err = c.engine.KB().ExportSynonyms(region)
			name = "synonyms-" + region + ".yaml"
		}
	default:
		data, err = c.engine.KB().ExportQuestions(doc)
		name = name[:len(name)-len(path.Ext(name))] + ".yaml"
	}
	if err != nil {
		return fault.Wrap(fault.NotFound, "no_document", "没有这个文件", err)
	}
	g.Header("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	g.Data(http.StatusOK, "application/yaml; charset=utf-8", data)
	return nil
}

// gapQuestionForm turns a gap into a question of an item from the gaps
// page, then shows the page again. POST /console/kb/questions.
func (c *console) gapQuestionForm(g *gin.Context) error {
	return c.gapsForm(g, "question", func(req reportRequest) error {
		doc, item, _ := strings.Cut(g.PostForm("item"), "#")
		_, err := c.engine.AddQuestion(g.Request.Context(), principalOf(g).user, doc, item, g.PostForm("text"))
		return err
	})
}

// gapsForm runs an edit posted from the gaps page, then shows the page
// again: with the edit's notice (added), or with why it failed.
func (c *console) gapsForm(g *gin.Context, added string, edit func(reportRequest) error) error {
	c.kit.LimitBody(g)
	req := reportRequest{Region: g.PostForm("region"), From: g.PostForm("from"), To: g.PostForm("to")}
	if err := edit(req); err != nil {
		return c.showGaps(g, req, httpkit.StatusOf(err), "", err)
	}
	q := url.Values{"region": {req.Region}, "from": {req.From}, "to": {req.To}, "added": {added}}
	g.Redirect(http.StatusSeeOther, "/console/gaps?"+q.Encode())
	return nil
}

// synonymSeparators split the words of a group typed into one field.
var synonymSeparators = regexp.MustCompile(`[,，、;；\s]+`)

// synonymsForm adds a synonym group to the region from the gaps page,
// where the words a region's businesses use show up, then shows the page
// again. POST /console/kb/synonyms.
func (c *console) synonymsForm(g *gin.Context) error {
	return c.gapsForm(g, "synonyms", func(req reportRequest) error {
		words := synonymSeparators.Split(strings.TrimSpace(g.PostForm("words")), -1)
		_, err := c.engine.AddSynonyms(g.Request.Context(), principalOf(g).user, req.Region, words)
		return err
	})
}
