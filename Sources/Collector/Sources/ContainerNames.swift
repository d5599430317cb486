import Foundation

/// Container names from the runtimes' metadata on disk, looked up once per new container.
///
/// Docker keeps each container's `config.v2.json` (`"Name": "/web"`) under `/var/lib/docker/containers/ID/`;
/// Podman lists its containers in `/var/lib/containers/storage/overlay-containers/containers.json`
/// (`{"id": …, "names": ["web"]}`). containerd keeps its metadata in a database, so its containers (and any whose
/// metadata is unreadable) are named by their cgroup path. `rootfs` is where the machine's `/` is: `/`, or `/rootfs`
/// in the collector's own container, or a fixture tree.
struct ContainerNames: Sendable {
    let rootfs: String
    /// Podman's list, read again only when the file changes (its modification time).
    private var podman: [String: String] = [:]
    private var podmanModified: Int64 = -1

    init(rootfs: String) {
        self.rootfs = rootfs.hasSuffix("/") ? String(rootfs.dropLast()) : rootfs
    }

    /// Docker's names by id, as read (nil: none); a container's name is fixed for its life, so it is read once.
    private var dockerNames: [String: String?] = [:]

    /// The name of container `id`, nil when no runtime's metadata names it.
    mutating func name(of id: String) -> String? {
        if dockerNames.count > 4096 { dockerNames = [:] }
        let docker = dockerNames[id] ?? self.docker(id)
        dockerNames[id] = .some(docker)
        if let docker { return docker }
        refreshPodman()
        return podman[id]
    }

    private func docker(_ id: String) -> String? {
        let path = rootfs + "/var/lib/docker/containers/" + id + "/config.v2.json"
        guard let data = Self.contents(path),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let name = object["Name"] as? String
        else { return nil }
        let trimmed = name.hasPrefix("/") ? String(name.dropFirst()) : name
        return trimmed.isEmpty ? nil : trimmed
    }

    private mutating func refreshPodman() {
        let path = rootfs + "/var/lib/containers/storage/overlay-containers/containers.json"
        var info = stat()
        guard stat(path, &info) == 0 else {
            podman = [:]
            return
        }
        let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        guard modified != podmanModified else { return }
        podmanModified = modified
        podman = [:]
        guard let data = Self.contents(path),
            let list = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]]
        else { return }
        for container in list {
            if let id = container["id"] as? String, let name = (container["names"] as? [String])?.first {
                podman[id] = name
            }
        }
    }

    /// A metadata file's bytes; nil when missing, unreadable or over 16 MiB (not metadata).
    private static func contents(_ path: String) -> Data? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 16 << 20), data.count < 16 << 20 else { return nil }
        return data
    }
}
