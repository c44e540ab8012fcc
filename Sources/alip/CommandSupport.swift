import ALIP
import ArgumentParser
import Foundation
import Recipes

/// Runs a command's body and turns any error into one clear message on standard error and exit status 1
/// (recipe diagnostics print as they are: every error with its file:line:column).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as RecipeErrors {
        FileHandle.standardError.write(Data((e.description + "\n").utf8))
        throw ExitCode.failure
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

/// Writes a line to standard error (the log; standard output carries results).
@Sendable func logLine(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// The run folder for a recipe: `--out` if given, else `runs/<recipe name>`.
func runFolder(_ out: String?, recipe: ResolvedRecipe) -> URL {
    URL(fileURLWithPath: out ?? "runs/\(recipe.name)", isDirectory: true)
}
