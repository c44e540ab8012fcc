/// CLIP's text preparation (openai/CLIP `simple_tokenizer.py`): cleaning, lower-casing, the
/// pre-tokenisation regex, and the byte ↔ unicode table of byte-level BPE.
public enum CLIPText {
    /// Cleans like CLIP's `whitespace_clean(basic_clean(text)).lower()` without ftfy: unescapes the
    /// common HTML entities, collapses every whitespace run to one space, trims, lower-cases.
    public static func normalize(_ text: String) -> String {
        var t = text
        if t.contains("&") {
            for (e, r) in [("&quot;", "\""), ("&#39;", "'"), ("&apos;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&nbsp;", " "), ("&amp;", "&")] {
                t = t.replacingOccurrences(of: e, with: r)
            }
        }
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for s in t.unicodeScalars {
            if s.properties.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.append(s)
        }
        return String(out).lowercased()
    }

    private static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    private static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// The special tokens CLIP's regex keeps whole.
    public static let specials = ["<|startoftext|>", "<|endoftext|>"]
    private static let contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]

    /// Splits normalised text as CLIP's regex does, tried in order at each position:
    /// `<|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`.
    public static func pretokenize(_ text: String) -> [String] {
        let u = Array(text.unicodeScalars)
        var out: [String] = []
        var i = 0
        func matches(_ lit: String, at i: Int) -> Bool {
            var k = i
            for s in lit.unicodeScalars {
                guard k < u.count, u[k] == s || (s.properties.isLowercase && u[k].properties.lowercaseMapping == String(s)) else { return false }
                k += 1
            }
            return true
        }
        outer: while i < u.count {
            let s = u[i]
            if s.properties.isWhitespace { i += 1; continue }
            for lit in specials + contractions where matches(lit, at: i) {
                out.append(String(String.UnicodeScalarView(u[i..<i + lit.unicodeScalars.count])))
                i += lit.unicodeScalars.count
                continue outer
            }
            var j = i + 1
            if isLetter(s) {
                while j < u.count, isLetter(u[j]) { j += 1 }
            } else if isNumber(s) {
                // one number character per token
            } else {
                while j < u.count, !u[j].properties.isWhitespace, !isLetter(u[j]), !isNumber(u[j]) { j += 1 }
            }
            out.append(String(String.UnicodeScalarView(u[i..<j])))
            i = j
        }
        return out
    }

    /// CLIP's `bytes_to_unicode()` order: the printable bytes `!`…`~`, `¡`…`¬`, `®`…`ÿ` first, then the
    /// remaining bytes ascending. `byteOrder[k]` is the byte whose base token id is `k`.
    public static let byteOrder: [UInt8] = {
        var bs = Array(UInt8(ascii: "!")...UInt8(ascii: "~")) + Array(UInt8(0xA1)...UInt8(0xAC)) + Array(UInt8(0xAE)...UInt8(0xFF))
        let printable = Set(bs)
        for b in 0...255 where !printable.contains(UInt8(b)) { bs.append(UInt8(b)) }
        return bs
    }()

    /// The unicode character CLIP uses for each byte (`bytes_to_unicode()[b]`).
    public static let byteToUnicode: [Character] = {
        var table = [Character](repeating: " ", count: 256)
        var extra = 0
        let printable = Set(Array(UInt8(ascii: "!")...UInt8(ascii: "~")) + Array(UInt8(0xA1)...UInt8(0xAC)) + Array(UInt8(0xAE)...UInt8(0xFF)))
        for b in 0...255 {
            if printable.contains(UInt8(b)) { table[b] = Character(Unicode.Scalar(UInt8(b))) }
            else { table[b] = Character(Unicode.Scalar(UInt32(256 + extra))!); extra += 1 }
        }
        return table
    }()

    /// Base token id of each byte (inverse of `byteOrder`); the `</w>` variant is `256 + id`.
    public static let byteID: [Int32] = {
        var t = [Int32](repeating: 0, count: 256)
        for (k, b) in byteOrder.enumerated() { t[Int(b)] = Int32(k) }
        return t
    }()
}

import Foundation
