import Testing

/// Groups every storage suite under one name, so `swift test --filter Storage` runs exactly them.
@Suite("Storage")
enum StorageTests {}
