import Foundation
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// Pid files identify one process for good (pid plus start time); paths resolve as documented.
@Suite struct ControllerPidRecordTests {
    @Test func roundTripsThroughItsText() throws {
        let record = PidRecord(
            pid: 4242, startTicks: 987_654, specHash: "1a2b3c4d5e6f7a8b", configHash: "ffeeddccbbaa9988",
            startedAt: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(record.text.hasPrefix("4242\n"))
        #expect(PidRecord(text: record.text) == record)
        #expect(PidRecord(text: "not a pid\n") == nil)
    }

    @Test func procStatCountsFieldsAfterTheLastParenthesis() throws {
        let line = "1234 (smsctl (x) y) S 1 1234 1234 0 -1 4194560 1 0 0 0 3 1 0 0 20 0 5 0 778899 1000 100"
        let stat = try #require(ProcStat(line: line))
        #expect(stat.state == "S")
        #expect(stat.startTicks == 778_899)
        #expect(ProcStat(line: line.replacingOccurrences(of: ") S ", with: ") Z "))?.isZombie == true)
    }

    @Test func ourOwnProcessIsAliveAndARecycledPidIsNot() throws {
        let me = getpid()
        let stat = try #require(ProcStat.read(pid: me))
        #expect(PidRecord(pid: me, startTicks: stat.startTicks, specHash: "", configHash: "").isAlive)
        #expect(!PidRecord(pid: me, startTicks: stat.startTicks + 1, specHash: "", configHash: "").isAlive)
    }

    @Test(arguments: [
        ("/repo/specs/home.yaml", "/repo/ctrl"), ("/tmp/x/home.yaml", "/tmp/x/ctrl"),
    ])
    func renderDirectoryIsBesideTheSpecsFolder(spec: String, ctrl: String) {
        #expect(ControllerTarget.renderDirectory(specFile: spec).path == ctrl)
    }

    @Test func roleNamesParse() {
        #expect(ControllerRole(name: "hub") == .hub)
        #expect(ControllerRole(name: "collector-mcrn") == .collector("mcrn"))
        #expect(ControllerRole(name: "collector-") == nil)
        #expect(ControllerRole(name: "gateway") == nil)
    }

    @Test func httpResponsesParse() throws {
        let raw = Data("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"status\":\"ok\"}".utf8)
        let response = try #require(HTTPProbe.parse(raw))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"status\":\"ok\"}")
        let chunked = Data(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n".utf8)
        #expect(HTTPProbe.parse(chunked).map { String(decoding: $0.body, as: UTF8.self) } == "abcdef")
    }
}
