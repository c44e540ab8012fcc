import Components

/// The Data module's registered components, one line each (merged into the built-in registry).
public enum DataComponents {
    nonisolated(unsafe) public static let entries: [(Slot, any Component.Type)] = [
        (.dataset, ManifestDataset.self),
        (.transform, Resize.self),
        (.transform, CenterCrop.self),
        (.transform, RandomResizedCrop.self),
        (.transform, HorizontalFlip.self),
        (.transform, Normalize.self),
        (.transform, GrayscaleToRGB.self),
        (.tokenizer, BPETokenizerSpec.self),
        (.tokenizer, CLIPBPETokenizerSpec.self),
        (.noise, SwapRawText.self),
        (.noise, JunkRawText.self),
    ]
}
