// Package docread turns the raw bytes of a policy document, as an operator
// drops it in a folder, into clean UTF-8 text lines plus the little metadata a
// scraped web page carries (publication date, source).
//
// It accepts plain text, HTML (saved pages) and Word .docx, in UTF-8 (with or
// without BOM), GB18030/GBK and UTF-16/32 with BOM. Everything it refuses is
// refused with an error that wraps one of the sentinel errors below and says
// why in words an operator can act on; it never panics on input.
package docread

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// DefaultLimit is the size limit Read applies when its caller passes a
// limit of zero or less: large enough for any real policy document, small
// enough that a mistaken drop (a video, a disk image) is refused quickly.
const DefaultLimit = 32 << 20

// Sentinel errors. Read wraps them with the detail of the case, so callers
// test with errors.Is and show err.Error() to the operator.
var (
	// ErrTooLarge means the file, or the text packed inside a .docx, is
	// larger than the caller's limit allows.
	ErrTooLarge = errors.New("file too large")
	// ErrEmpty means there is no text to read: an empty or whitespace-only
	// file, a page with nothing but furniture, a .docx without text.
	ErrEmpty = errors.New("no text")
	// ErrUnsupported means a format Read does not read (legacy .doc, PDF,
	// RTF, binary data, a zip that is not a Word document).
	ErrUnsupported = errors.New("unsupported format")
	// ErrCorrupt means a .docx that cannot be opened: not a zip, no
	// word/document.xml, malformed XML.
	ErrCorrupt = errors.New("damaged .docx")
	// ErrUnknownEncoding means the bytes are neither UTF-8 nor plausible
	// GB18030 and carry no usable charset declaration.
	ErrUnknownEncoding = errors.New("unknown text encoding")
)

// Values of Doc.Format.
const (
	// FormatText is a plain-text file, including pages flattened to text.
	FormatText = "text"
	// FormatHTML is a saved web page or HTML fragment.
	FormatHTML = "html"
	// FormatDocx is a Word 2007+ (OOXML) document.
	FormatDocx = "docx"
)

// Doc is one document's text after decoding and cleaning.
type Doc struct {
	Name      string   // file name as given
	Format    string   // "text", "html", "docx"
	Encoding  string   // "utf-8", "gb18030", "utf-16le", ...
	Lines     []string // cleaned lines, in order, no empty lines
	Published string   // publication date found in page furniture (e.g. "2022-04-14"), "" if none
	Source    string   // 来源/发布机构 found in page furniture, "" if none
	Removed   []string // lines dropped as page furniture (for diagnostics)
}

// Read decodes and cleans one document. name is only used for its extension
// (sniffing the content decides first) and is copied into Doc.Name. Files
// larger than limit bytes are refused; limit <= 0 means DefaultLimit.
func Read(name string, data []byte, limit int64) (*Doc, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %s exceeds the limit of %s", ErrTooLarge, byteSize(int64(len(data))), byteSize(limit))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		if len(data) == 0 {
			return nil, fmt.Errorf("%w: the file is empty (0 bytes)", ErrEmpty)
		}
		return nil, fmt.Errorf("%w: the file contains only whitespace", ErrEmpty)
	}
	ext := extension(name)
	if err := refuseKnownBinary(data, ext); err != nil {
		return nil, err
	}
	doc := &Doc{Name: name}
	var err error
	if isZip(data) || isDocxExt(ext) {
		err = readDocxInto(doc, data, limit, ext)
	} else {
		err = readMarkupOrText(doc, data, ext)
	}
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// readDocxInto fills doc from a Word document. A .docx has no web page
// around it, so no furniture is looked for.
func readDocxInto(doc *Doc, data []byte, limit int64, ext string) error {
	if !isZip(data) {
		return fmt.Errorf("%w: the file is named %s but is not a zip archive, so it is not a real .docx (re-save it from Word or WPS)", ErrCorrupt, ext)
	}
	paras, enc, err := docxParagraphs(data, limit, isDocxExt(ext))
	if err != nil {
		return err
	}
	doc.Format, doc.Encoding = FormatDocx, enc
	doc.Lines = cleanLines(strings.Join(paras, "\n"))
	if len(doc.Lines) == 0 {
		return fmt.Errorf("%w: the .docx contains no text (is it a scanned image?)", ErrEmpty)
	}
	return nil
}

// readMarkupOrText fills doc from a text or HTML file, removing the page
// furniture that scraped pages carry.
func readMarkupOrText(doc *Doc, data []byte, ext string) error {
	text, enc, err := decodeText(data, looksLikeHTML(data))
	if err != nil {
		return err
	}
	doc.Encoding = enc
	var lines []string
	var page pageMeta
	if looksLikeHTML([]byte(text)) || isHTMLExt(ext) {
		doc.Format = FormatHTML
		var ht htmlText
		ht, err = extractHTML(text)
		if err != nil {
			return err
		}
		lines = withTitle(cleanLines(ht.body), cleanLine(ht.title))
		page = ht.meta
	} else {
		doc.Format = FormatText
		lines = cleanLines(text)
	}
	if len(lines) == 0 {
		if doc.Format == FormatHTML {
			return fmt.Errorf("%w: the page has no visible text", ErrEmpty)
		}
		return fmt.Errorf("%w: the file contains only whitespace or invisible characters", ErrEmpty)
	}
	res := stripFurniture(lines)
	if len(res.kept) == 0 {
		return fmt.Errorf("%w: only page furniture (menus, share/print links), no document text", ErrEmpty)
	}
	doc.Lines, doc.Removed = res.kept, res.removed
	doc.Published = firstNonEmpty(res.meta.published, page.published)
	doc.Source = firstNonEmpty(res.meta.source, page.source)
	return nil
}

// refuseKnownBinary names the common formats people drop by mistake, so the
// operator learns what to do instead of reading "unknown encoding".
func refuseKnownBinary(data []byte, ext string) error {
	switch {
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		switch {
		case ext == ".doc" || ext == ".wps":
			return fmt.Errorf("%w: legacy Word %s file; open it in Word or WPS and save as .docx", ErrUnsupported, ext)
		case isDocxExt(ext):
			// OOXML files are wrapped in this container only when encrypted.
			return fmt.Errorf("%w: password-protected document (or a legacy .doc renamed %s); remove the password or save as .docx", ErrUnsupported, ext)
		}
		return fmt.Errorf("%w: legacy Office binary file (.doc/.xls/.ppt); open it in Word or WPS and save as .docx", ErrUnsupported)
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return fmt.Errorf("%w: PDF; convert it to text or .docx first", ErrUnsupported)
	case bytes.HasPrefix(data, []byte(`{\rtf`)):
		return fmt.Errorf("%w: RTF; open it in Word or WPS and save as .docx", ErrUnsupported)
	}
	return nil
}

// isZip reports the local-file or empty-archive signature of a zip file.
func isZip(data []byte) bool {
	return bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06"))
}

func isDocxExt(ext string) bool {
	return ext == ".docx" || ext == ".docm" || ext == ".dotx"
}

func isHTMLExt(ext string) bool {
	switch ext {
	case ".html", ".htm", ".xhtml", ".shtml", ".shtm":
		return true
	}
	return false
}

// extension returns the lower-case extension of name, accepting both
// slash and backslash paths since names may come from Windows shares.
func extension(name string) string {
	base := name[strings.LastIndexAny(name, `/\`)+1:]
	i := strings.LastIndexByte(base, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(base[i:])
}

// byteSize renders a size both exactly and readably, since operators
// compare it with what their file manager shows.
func byteSize(n int64) string {
	const mib = 1 << 20
	if n >= mib {
		return fmt.Sprintf("%.1f MiB (%d bytes)", float64(n)/mib, n)
	}
	if n >= 1<<10 {
		return fmt.Sprintf("%.1f KiB (%d bytes)", float64(n)/(1<<10), n)
	}
	return fmt.Sprintf("%d bytes", n)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
