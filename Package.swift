// swift-tools-version:6.1
// alip-swift: ALIP and CLIP language-image pre-training as YAML recipes over registered components.
// Layering (one way): alip (CLI) → Recipes → ALIP → NN / Optim / Data / Checkpoint → Tensor → C libraries.
import Foundation
import PackageDescription

// Component modules under Plugins/ (Docs/extending.md): every folder `Plugins/<Name>/` with a `Sources/`
// folder becomes a module `<Name>` linked into `alip`, and `Plugins/<Name>/Tests/` a test target
// `<Name>Tests`. The GeneratePluginList build-tool plugin writes the list the executable registers, so a
// new plugin needs no edit under Sources/ or here.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
func isDirectory(_ url: URL) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
}
let pluginModules: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Plugins").path)) ?? [])
    .filter { isDirectory(packageRoot.appendingPathComponent("Plugins/\($0)/Sources")) }
    .sorted()
let pluginTargets: [Target] = pluginModules.flatMap { name -> [Target] in
    var targets: [Target] = [.target(name: name, dependencies: ["ALIP"], path: "Plugins/\(name)/Sources")]
    if isDirectory(packageRoot.appendingPathComponent("Plugins/\(name)/Tests")) {
        targets.append(.testTarget(name: "\(name)Tests", dependencies: [.target(name: name), "ALIP", "TestSupport"],
                                   path: "Plugins/\(name)/Tests"))
    }
    return targets
}

// Release builds compile the compute modules for the build machine's vector unit, so the elementwise
// kernels (GELU, layer norm, softmax, optimizer updates, image transforms) run on AVX2/FMA or AVX-512
// instead of the x86-64 baseline's SSE2 (GEMM is OpenBLAS's, which picks its own kernels at run time).
// Swift neither contracts a·b + c into FMA nor reorders float reductions, so results are unchanged.
// The binary then needs a CPU with the same features: `ALIP_TARGET_CPU=x86-64 make build` builds a
// portable one, `ALIP_TARGET_CPU=<llvm cpu>` any other (Docs/performance.md).
let releaseCPU: String? = {
    if let cpu = ProcessInfo.processInfo.environment["ALIP_TARGET_CPU"], !cpu.isEmpty { return cpu == "x86-64" ? nil : cpu }
    #if arch(x86_64) && os(Linux)
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
    let flags = Set(line.split(separator: " ").map(String.init))
    // Every feature LLVM's CPU model turns on must be present (Zen 2/3 have haswell's, Zen 4 skylake-avx512's).
    let haswell: Set = ["avx2", "fma", "bmi1", "bmi2", "movbe", "f16c", "abm", "popcnt", "aes", "pclmulqdq", "rdrand",
                        "fsgsbase", "xsaveopt", "sse4_2"]
    let skylakeAVX512: Set = haswell.union(["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl", "adx", "rdseed",
                                            "clflushopt", "clwb", "xsavec", "xsaves", "3dnowprefetch"])
    if flags.isSuperset(of: skylakeAVX512) { return "skylake-avx512" }
    if flags.isSuperset(of: haswell) { return "haswell" }
    #endif
    return nil
}()
let computeSettings: [SwiftSetting] = releaseCPU.map { [.unsafeFlags(["-target-cpu", $0], .when(configuration: .release))] } ?? []

let package = Package(
    name: "alip-swift",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "alip", targets: ["alip"]),
        .library(name: "ALIPFramework", targets: ["Tensor", "Components", "NN", "Optim", "Data", "Checkpoint", "ALIP", "Recipes"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    ],
    targets: [
        // C system libraries (Debian packages named as providers; found with pkg-config).
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),

        // The engine.
        .target(name: "Tensor", dependencies: ["COpenBLAS"], swiftSettings: computeSettings),
        // The component contract every registered type conforms to (no dependencies, so every layer
        // can declare components: NN encoders, Optim optimizers, Data transforms, ALIP gates).
        .target(name: "Components"),
        // Layers and models, optimizers, data, checkpoints.
        .target(name: "NN", dependencies: ["Tensor", "Components"], swiftSettings: computeSettings),
        .target(name: "Optim", dependencies: ["Tensor", "Components"], swiftSettings: computeSettings),
        .target(name: "Data", dependencies: ["Tensor", "Components", "CTurboJPEG", "CPNG", "CZlib"],
                resources: [.copy("Resources/mnist_5k.csv.gz")], swiftSettings: computeSettings),
        .target(name: "Checkpoint", dependencies: ["Tensor", "CHDF5"]),
        // The method: encoders, gates, losses, objectives, trainer, evaluators.
        .target(name: "ALIP", dependencies: ["Tensor", "Components", "NN", "Optim", "Data", "Checkpoint"],
                swiftSettings: computeSettings),
        // YAML recipes, the component registry, validation, sweeps.
        .target(name: "Recipes", dependencies: ["ALIP", "Components", .product(name: "Yams", package: "Yams")]),
        // The command line.
        .executableTarget(name: "alip", dependencies: [
            "Recipes", "ALIP", "Components", "Checkpoint", "Tensor", "Data",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ] + pluginModules.map { .target(name: $0) }, plugins: ["GeneratePluginList"]),
        .plugin(name: "GeneratePluginList", capability: .buildTool(), path: "BuildTools/GeneratePluginList"),

        // Tests.
        .target(name: "TestSupport", dependencies: ["Tensor"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Checkpoint", "TestSupport"]),
        .testTarget(name: "OptimTests", dependencies: ["Optim", "Checkpoint", "TestSupport"]),
        .testTarget(name: "DataTests", dependencies: ["Data", "TestSupport"]),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "TestSupport"]),
        .testTarget(name: "ALIPTests", dependencies: ["ALIP", "Checkpoint", "TestSupport"]),
        // RecipeRun end-to-end tests read checkpoints and generate data; the plugin modules (and the
        // generated `pluginRegistries`) let them validate the recipes under Plugins/ too.
        .testTarget(name: "RecipesTests", dependencies: ["Recipes", "ALIP", "Data", "Checkpoint", "Components", "TestSupport"]
                        + pluginModules.map { .target(name: $0) }, plugins: ["GeneratePluginList"]),
        // End-to-end tests run the built `alip` executable.
        .testTarget(name: "CLITests", dependencies: ["alip", "TestSupport"]),
    ] + pluginTargets
)
