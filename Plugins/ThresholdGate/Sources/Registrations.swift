import ALIP

/// The components this plugin adds, one line each. The `alip` executable finds this declaration by its
/// name (the GeneratePluginList build-tool plugin) and merges it into the built-in registry; `origin`
/// is what `alip components` shows beside each entry.
public let alipPluginRegistry = Registry(origin: "ThresholdGate", [
    (.gate, QuantileThresholdGate.self),
])
