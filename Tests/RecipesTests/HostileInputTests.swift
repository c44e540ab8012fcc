import Foundation
import Testing
@testable import Recipes

/// Broken or malicious YAML is rejected quickly, with a message, never a crash or a hang.
@Suite struct HostileInputTests {
    private func firstLine(_ s: String?) -> String { s.map { String($0.split(separator: "\n").first ?? "") } ?? "nil" }

    @Test func aliasBomb() {
        let f = RecipeFolder()
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for i in 1..<9 { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ") + "]\n" }
        f.write("bomb.yaml", text)
        let start = Date()
        #expect(firstLine(f.errors("bomb.yaml")) == "bomb.yaml:9:15: error: too many aliases (more than 64); recipes use `extends:` rather than YAML aliases")
        // Under the alias limit but expanding past the node budget.
        var small = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1..<6 { small += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        f.write("small.yaml", small)
        #expect(firstLine(f.errors("small.yaml")).hasSuffix("error: more than 100000 values (an alias expanding too far?)"))
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func deepNesting() {
        let f = RecipeFolder()
        f.write("flow.yaml", "a: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n")
        #expect(firstLine(f.errors("flow.yaml")) == "flow.yaml:1:68: error: nesting deeper than 64 levels")
        var block = ""
        for i in 0..<200 { block += String(repeating: " ", count: i) + "k:\n" }
        f.write("block.yaml", block)
        #expect(firstLine(f.errors("block.yaml")).hasSuffix("error: nesting deeper than 64 levels"))
    }

    @Test func hugeFileAndScalar() {
        let f = RecipeFolder()
        f.write("huge.yaml", "name: " + String(repeating: "x", count: 2 << 20) + "\n")
        #expect(firstLine(f.errors("huge.yaml")).contains("recipes are limited to 1048576 bytes"))
        f.write("scalar.yaml", "name: " + String(repeating: "x", count: 100_000) + "\n")
        #expect(firstLine(f.errors("scalar.yaml")) == "scalar.yaml:1:7: error: value of 100000 bytes; values are limited to 65536 bytes")
    }

    @Test func notUTF8() throws {
        let f = RecipeFolder()
        let url = f.url.appendingPathComponent("latin1.yaml")
        try Data("name: ok\nname2: caf".utf8 + [0xE9] + Data("\n".utf8)).write(to: url)
        #expect(f.errors("latin1.yaml") == """
        latin1.yaml:2:11: error: recipe is not valid UTF-8 (byte 0xE9 at offset 19)
        note: save the file as UTF-8
        """)
    }

    @Test func notARegularFileOrEmpty() {
        let f = RecipeFolder()
        try? FileManager.default.createDirectory(at: f.url.appendingPathComponent("dir.yaml"), withIntermediateDirectories: true)
        #expect(firstLine(f.errors("dir.yaml")).hasSuffix("dir.yaml': not a regular file"))
        f.write("list.yaml", "- a\n- b\n")
        #expect(firstLine(f.errors("list.yaml")) == "list.yaml:1:1: error: a recipe is a mapping of keys (name:, data:, model:, …)")
    }
}
