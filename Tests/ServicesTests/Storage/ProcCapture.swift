import Foundation
import TestSupport

@testable import SMSCore
@testable import Services

/// A recorded hour of one real machine's series, as its collector sent them (every group, 1 s), committed as
/// `Fixtures/capture/proc-hour.txt.gz` (written by `bench/capture.py`). Text, so that it does not depend on any codec
/// of sms's: a `#` line is a comment, `s <series>` declares series 0, 1, 2… in order, and each other line is a
/// batch: the milliseconds since the previous batch (the first: since the epoch), then `<index>=<value>` pairs,
/// values as the shortest text that reads back as the same double.
enum ProcCapture {
    static let path = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/capture/proc-hour.txt.gz").path

    /// The capture's batches, numbered 1, 2, 3… for `machine`.
    static func batches(machine: String) throws -> [Batch] {
        let (status, text) = try runTool("/bin/gzip", ["-dc", path])
        guard status == 0 else { throw CaptureError("gzip -dc \(path): \(text.prefix(200))") }
        var series: [SeriesKey] = []
        var batches: [Batch] = []
        var time: Int64 = 0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            if line.hasPrefix("s ") {
                guard let key = SeriesKey(canonical: String(line.dropFirst(2))) else {
                    throw CaptureError("not a series: \(line)")
                }
                series.append(key)
                continue
            }
            let fields = line.split(separator: " ")
            guard let delta = fields.first.flatMap({ Int64($0) }) else { throw CaptureError("not a batch: \(line.prefix(80))") }
            time += delta
            var samples: [Sample] = []
            for field in fields.dropFirst() {
                let pair = field.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, let index = Int(pair[0]), series.indices.contains(index), let value = Double(pair[1])
                else { throw CaptureError("not a sample: \(field)") }
                samples.append(Sample(series[index], value))
            }
            batches.append(Batch(machine: machine, seq: UInt64(batches.count + 1),
                                 snapshot: Snapshot(timestampMs: time, samples: samples)))
        }
        return batches
    }

    struct CaptureError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
