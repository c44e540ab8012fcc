import ArgumentParser
import Foundation
import ALIP
import Recipes

/// `alip components [SLOT] [--json] [--markdown]`: every registered component and its parameters.
struct ComponentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "components",
        abstract: "List registered components with their parameters, kinds, defaults, ranges and docs.")

    @Argument(help: "Only this slot (\(Slot.allCases.map(\.rawValue).sorted().joined(separator: ", "))).")
    var slot: String?

    @Flag(help: "JSON output.")
    var json = false

    @Flag(help: "The Markdown recipe reference of the built-in components (Docs/recipe-reference.md).")
    var markdown = false

    func run() throws {
        var only: Slot?
        if let slot {
            guard let s = Slot(rawValue: slot) else {
                let names = Slot.allCases.map(\.rawValue).sorted()
                throw ValidationError("unknown slot '\(slot)'; slots: \(names.joined(separator: ", "))")
            }
            only = s
        }
        if markdown { print(ComponentCatalog.markdown(.builtin), terminator: "") }
        else if json { print(ComponentCatalog.json(registry, slot: only), terminator: "") }
        else { print(ComponentCatalog.text(registry, slot: only), terminator: "") }
    }
}
