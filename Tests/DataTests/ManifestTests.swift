import Foundation
import Testing
@testable import Data

@Suite struct ManifestTests {
    @Test func readsTSVWithDefaultColumns() throws {
        let dir = try makeTempDir()
        try write("image\traw_text\tcaption\tlabel\na.jpg\tIMG 1\ta dog\t3\n\nsub/b.jpg\tx\ty\t0\n", to: dir.appendingPathComponent("m.tsv"))
        let m = try Manifest(url: dir.appendingPathComponent("m.tsv"))
        #expect(m.fields == ["raw", "caption"])
        #expect(m.rows.count == 2)
        #expect(m.rows[0].texts == ["IMG 1", "a dog"])
        #expect(m.rows[0].label == 3)
        #expect(m.rows[1].line == 4)            // blank line 3 skipped, counted
        #expect(m.rows[1].index == 1)
        #expect(m.rows[1].imageURL.path == dir.appendingPathComponent("sub/b.jpg").path)
    }

    @Test func readsCSVWithQuotedFieldsAndCustomKeys() throws {
        let dir = try makeTempDir()
        let csv = "filepath,title,label\r\n\"x.jpg\",\"a, quoted \"\"title\"\"\",1\r\ny.jpg,\"two\nlines\",2\r\nz.jpg,plain,3\r\n"
        try write(csv, to: dir.appendingPathComponent("m.csv"))
        let cols = ManifestColumns(image: "filepath", raw: "title", caption: "caption", label: "label")
        let m = try Manifest(url: dir.appendingPathComponent("m.csv"), columns: cols)
        #expect(m.fields == ["raw"])            // no caption column: a CLIP-only manifest
        #expect(m.rows.map { $0.texts[0] } == ["a, quoted \"title\"", "two\nlines", "plain"])
        #expect(m.rows.map(\.line) == [2, 3, 5])
    }

    @Test func wrongColumnCountFailsWithLine() throws {
        let dir = try makeTempDir()
        let url = dir.appendingPathComponent("m.tsv")
        try write("image\traw_text\tcaption\na.jpg\tr\tc\nb.jpg\tonly two\n", to: url)
        let e = #expect(throws: DataError.self) { try Manifest(url: url) }
        #expect(e?.description == "\(url.path):3: expected 3 tab-separated columns (image, raw_text, caption) but found 2; fix the row or quote fields that contain the separator")
    }

    @Test func invalidUTF8EmptyOverlongAndBadLabelAreReported() throws {
        let dir = try makeTempDir()
        let url = dir.appendingPathComponent("m.tsv")
        var bytes = Array("image\traw_text\tcaption\tlabel\nok.jpg\tfine\tfine\t1\n".utf8)
        bytes += Array("bad.jpg\t".utf8) + [0xC3, 0x28] + Array("\tc\t1\n".utf8)               // line 3
        bytes += Array("e.jpg\t   \tc\t1\n".utf8)                                            // line 4
        bytes += Array("l.jpg\t\(String(repeating: "w", count: 30))\tc\t1\n".utf8)           // line 5
        bytes += Array("n.jpg\tr\tc\tcat\n".utf8)                                            // line 6
        try write(bytes: bytes, to: url)
        let e = #expect(throws: DataError.self) { try Manifest(url: url, maxTextLength: 20) }
        #expect(e?.description == "\(url.path):3: column 'raw_text' is not valid UTF-8; re-save the manifest as UTF-8")

        let m = try Manifest(url: url, onError: .skip, maxTextLength: 20)
        #expect(m.rows.map(\.line) == [2])
        #expect(m.totalRows == 5)
        #expect(m.issues.map(\.problem) == [.invalidUTF8, .emptyText, .overlongText, .badLabel])
        #expect(m.issues.map(\.line) == [3, 4, 5, 6])
        #expect(m.issues[1].error.reason == "the raw text (column 'raw_text') is empty; give every row a text or remove the row")
        #expect(m.issues[2].error.reason == "the raw text (column 'raw_text') has 30 characters, more than max_text_length 20; check for an unclosed quote or raise max_text_length")
        #expect(m.issues[3].error.reason == "label 'cat' (column 'label') is not a non-negative integer")
    }

    @Test func unterminatedQuoteIsReported() throws {
        let dir = try makeTempDir()
        let url = dir.appendingPathComponent("m.csv")
        try write("image,raw_text\na.jpg,ok\nb.jpg,\"never closed\nc.jpg,lost\n", to: url)
        let e = #expect(throws: DataError.self) { try Manifest(url: url) }
        #expect(e?.line == 3)
        #expect(e?.reason.hasPrefix("a quoted field opened on this line never closes") == true)
    }

    @Test func missingColumnsAndFiles() throws {
        let dir = try makeTempDir()
        let url = dir.appendingPathComponent("m.tsv")
        try write("img\ttext\na.jpg\tx\n", to: url)
        let e1 = #expect(throws: DataError.self) { try Manifest(url: url) }
        #expect(e1?.description == "\(url.path):1: no image column 'image' in the header (columns: img, text; tab-separated); set the dataset's 'image_key'")
        let e2 = #expect(throws: DataError.self) { try Manifest(url: url, columns: ManifestColumns(image: "img")) }
        #expect(e2?.description == "\(url.path):1: no text column 'raw_text' (field 'raw') in the header (columns: img, text); set the dataset's 'raw_key'")
        let missing = dir.appendingPathComponent("nope.tsv")
        let e3 = #expect(throws: DataError.self) { try Manifest(url: missing) }
        #expect(e3?.description == "\(missing.path): manifest not found; check the dataset's 'path' (relative paths resolve against the recipe's folder)")
        try write("", to: url)
        let e4 = #expect(throws: DataError.self) { try Manifest(url: url) }
        #expect(e4?.line == 1)
    }
}
