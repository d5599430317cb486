import SMSCore
import SwiftProtobuf

/// The hub's batch decoder on one stream of messages: the input is split into length-prefixed messages (two
/// bytes of length, little-endian, then that many bytes), each parsed as a `Batch` and decoded against the stream's series so
/// far, as `StreamSession` does. A message that is not a batch, or breaks a limit, must be refused, never crash.
func fuzzBatch(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var decoder = StreamDecoder(machine: "fuzz")
    var offset = 0
    while offset < bytes.count {
        guard offset + 2 <= bytes.count else { break }
        let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
        offset += 2
        let end = min(bytes.count, offset + length)
        let chunk = Array(bytes[offset..<end])
        offset = end
        guard let message = try? Sms_V1_Batch(serializedBytes: chunk) else { continue }
        guard let batch = try? decoder.decode(message) else { continue }
        let (finite, _) = batch.snapshot.droppingNonFinite()
        for sample in finite.samples { _ = sample.series.description }
    }
    return 0
}
