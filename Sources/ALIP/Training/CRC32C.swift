/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord / TensorBoard event files use
/// it, with TensorFlow's mask `((crc >> 15) | (crc << 17)) &+ 0xa282ead8`.
public enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    /// The CRC-32C of `bytes` (initial value and final xor 0xFFFFFFFF): "123456789" → 0xE3069283.
    public static func checksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TensorFlow's masked CRC of a checksum (stored in records so CRCs of CRCs stay distinct).
    public static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// `mask(checksum(bytes))`.
    public static func maskedChecksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        mask(checksum(bytes))
    }
}
