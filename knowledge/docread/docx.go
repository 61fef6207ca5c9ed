package docread

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// docxExpansion bounds how much XML a .docx may unpack to, as a multiple of
// the file size limit. Real documents compress 5–10×; a zip bomb does not
// stop at 20×.
const docxExpansion = 20

const docxMainPart = "word/document.xml"

// Namespaces of WordprocessingML (transitional and strict) and of markup
// compatibility, whose Fallback branches duplicate their Choice branches.
const (
	nsWord       = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsWordStrict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
	nsMC         = "http://schemas.openxmlformats.org/markup-compatibility/2006"
)

// errExpanded reports a part that unpacks beyond its allowance.
var errExpanded = errors.New("expanded beyond the allowed size")

// docxParagraphs returns the text of each paragraph of the main document
// part, in order; table cells contribute their paragraphs, so each cell
// reads as its own line. Headers, footers, footnotes and comments are not
// read: in a policy document they are page furniture. named reports that
// the file carries a Word extension, which decides whether a zip without
// a document part is a damaged .docx or another kind of archive.
func docxParagraphs(data []byte, limit int64, named bool) ([]string, string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if !named {
			return nil, "", fmt.Errorf("%w: a zip archive that cannot be read (%v); only Word .docx documents are read", ErrUnsupported, err)
		}
		return nil, "", fmt.Errorf("%w: the zip container cannot be read (%v)", ErrCorrupt, err)
	}
	var part *zip.File
	for _, f := range zr.File {
		if f.Name == docxMainPart {
			part = f
			break
		}
	}
	if part == nil {
		if named {
			return nil, "", fmt.Errorf("%w: the zip archive has no %s", ErrCorrupt, docxMainPart)
		}
		return nil, "", fmt.Errorf("%w: a zip archive without %s is not a Word .docx document", ErrUnsupported, docxMainPart)
	}
	allowed := expansionLimit(limit)
	if part.UncompressedSize64 > uint64(allowed) {
		return nil, "", tooExpanded(allowed)
	}
	rc, err := part.Open()
	if err != nil {
		return nil, "", fmt.Errorf("%w: %s cannot be opened (%v)", ErrCorrupt, docxMainPart, err)
	}
	defer rc.Close()
	r, enc := xmlReader(&cappedReader{r: rc, left: allowed})
	paras, err := wordParagraphs(r)
	switch {
	case errors.Is(err, errExpanded):
		return nil, "", tooExpanded(allowed)
	case err != nil:
		return nil, "", fmt.Errorf("%w: %s is not readable XML (%v)", ErrCorrupt, docxMainPart, err)
	}
	return paras, enc, nil
}

// expansionLimit is docxExpansion × limit without overflowing.
func expansionLimit(limit int64) int64 {
	if limit > math.MaxInt64/docxExpansion {
		return math.MaxInt64
	}
	return limit * docxExpansion
}

func tooExpanded(allowed int64) error {
	return fmt.Errorf("%w: %s unpacks to more than %s (%d× the limit); refusing a possible zip bomb", ErrTooLarge, docxMainPart, byteSize(allowed), docxExpansion)
}

// xmlReader converts a UTF-16 part (allowed by the OOXML spec, rare in
// practice) to UTF-8, which is all encoding/xml reads.
func xmlReader(r io.Reader) (io.Reader, string) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{'<', 0, '?', 0}):
		return transform.NewReader(br, xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewDecoder()), encUTF16LE
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}), bytes.HasPrefix(head, []byte{0, '<', 0, '?'}):
		return transform.NewReader(br, xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM).NewDecoder()), encUTF16BE
	}
	return br, encUTF8
}

// cappedReader fails, rather than truncating silently, once more than left
// bytes have been read.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// Probe for one more byte: only data beyond the cap is an error.
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, errExpanded
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// wordParagraphs reads WordprocessingML token by token: w:p is a line, w:t
// is text, w:tab a space, w:br and w:cr line breaks. Deleted text, field
// instructions and the fallback copies of markup-compatibility blocks are
// skipped so nothing is read twice. A paragraph nested in a text box ends
// as its own line before the paragraph holding the box.
func wordParagraphs(r io.Reader) ([]string, error) {
	d := xml.NewDecoder(r)
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		// The reader is already UTF-8 (see xmlReader); only the declared
		// label may still say UTF-16.
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "us-ascii":
			return in, nil
		}
		return nil, fmt.Errorf("unsupported XML encoding %q", label)
	}
	var (
		paras []string
		open  []*strings.Builder // paragraphs being read, innermost last
		skip  int                // depth inside a skipped element
		runs  int                // depth inside w:r
		inT   bool
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			if t.Name.Space == nsMC && t.Name.Local == "Fallback" {
				skip = 1
				continue
			}
			if !isWordName(t.Name) {
				continue
			}
			var cur *strings.Builder
			if len(open) > 0 {
				cur = open[len(open)-1]
			}
			switch t.Name.Local {
			case "p":
				open = append(open, &strings.Builder{})
			case "r":
				runs++
			case "t":
				inT = true
			case "tab", "ptab":
				if runs > 0 && cur != nil {
					cur.WriteByte(' ')
				}
			case "br", "cr":
				if cur != nil {
					cur.WriteByte('\n')
				}
			case "noBreakHyphen":
				if cur != nil {
					cur.WriteByte('-')
				}
			case "delText", "instrText", "pPr", "rPr", "sectPr", "fldData":
				skip = 1
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if !isWordName(t.Name) {
				continue
			}
			switch t.Name.Local {
			case "p":
				if len(open) > 0 {
					paras = append(paras, open[len(open)-1].String())
					open = open[:len(open)-1]
				}
			case "r":
				runs = max(0, runs-1)
			case "t":
				inT = false
			}
		case xml.CharData:
			if skip == 0 && inT && len(open) > 0 {
				open[len(open)-1].Write(t)
			}
		}
	}
	for _, b := range open {
		paras = append(paras, b.String())
	}
	return paras, nil
}

// isWordName accepts elements of either WordprocessingML namespace, or a
// bare "w" prefix left unresolved by a careless generator.
func isWordName(n xml.Name) bool {
	return n.Space == nsWord || n.Space == nsWordStrict || n.Space == "w"
}
