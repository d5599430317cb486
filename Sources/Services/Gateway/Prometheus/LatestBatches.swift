import SMSCore
import Synchronization

/// The newest batch of each machine, as the live feed sees them go by on the bus: what the scrape endpoint serves.
///
/// The live state keeps every series' latest value, even of a series that stopped (a disk unmounted); the newest
/// batch holds exactly the series the machine still reports, all stamped with one sample time. Keeping it costs
/// one dictionary write per batch, nothing per sample.
final class LatestBatches: Sendable {
    private let batches = Mutex<[String: Batch]>([:])

    /// Keeps `batch` unless a newer one of its machine is already kept (a replay after a reconnect is older).
    func record(_ batch: Batch) {
        batches.withLock { all in
            if let kept = all[batch.machine], kept.timestampMs > batch.timestampMs { return }
            all[batch.machine] = batch
        }
    }

    /// The newest batch of `machine`; nil before the first one reached this process.
    func latest(_ machine: String) -> Batch? { batches.withLock { $0[machine] } }
}
