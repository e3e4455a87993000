// approval-api-sim: a local stand-in for the approvals API (see docs/api-client.md).
//
//     approval-api-sim --port 0 --data examples/snapshots [--api-key KEY]
//
// Prints `listening on http://127.0.0.1:PORT` on stdout once ready; logs go to stderr. Stops on
// SIGINT or SIGTERM. Flags are parsed by hand: the simulator must not depend on ArgumentParser.

import ApprovalAPISimulator
import ApprovalJSON
import Foundation
import Logging

let usage = """
    usage: approval-api-sim --data DIR [--port N] [--host ADDR] [--api-key KEY] [--faults FILE]
                            [--hang-limit-ms N] [--keep-urls] [--verbose]

      --data DIR          folder of saved tasks (*.json with an integer task_id, searched recursively)
      --port N            port to listen on; 0 (the default) picks a free one
      --host ADDR         address to bind (default 127.0.0.1)
      --api-key KEY       the X-API-Key to expect (default: $APPROVAL_API_KEY; if neither is set,
                          any non-empty key is accepted)
      --faults FILE       faults in force from the start: a JSON fault, array, or {"faults": [...]}
      --hang-limit-ms N   longest a "hang" fault lasts (default 120000)
      --keep-urls         serve download_url/expires_at as saved instead of fresh simulated links
      --verbose           log every request to stderr

    Control endpoints (no key): GET|POST|PUT|DELETE /_sim/faults, GET|DELETE /_sim/requests,
    GET /_sim/health.
    """

func fail(_ message: String, code: Int32 = 64) -> Never {
    FileHandle.standardError.write(Data("approval-api-sim: \(message)\n\(code == 64 ? usage + "\n" : "")".utf8))
    exit(code)
}

struct Options {
    var configuration = APISimulator.Configuration()
    var faultsFile: String?
    var verbose = false
    var keyFromFlag: String?
}

func parse(_ arguments: [String]) -> Options {
    var options = Options()
    var remaining = arguments[...]
    func value(for flag: String) -> String {
        guard let next = remaining.popFirst() else { fail("\(flag) needs a value") }
        return next
    }
    while let argument = remaining.popFirst() {
        switch argument {
        case "--data": options.configuration.dataDirectory = value(for: argument)
        case "--port":
            guard let port = Int(value(for: argument)), (0...65535).contains(port) else {
                fail("--port needs 0...65535")
            }
            options.configuration.port = port
        case "--host": options.configuration.host = value(for: argument)
        case "--api-key": options.keyFromFlag = value(for: argument)
        case "--faults": options.faultsFile = value(for: argument)
        case "--hang-limit-ms":
            guard let millis = Int64(value(for: argument)), millis >= 0 else { fail("--hang-limit-ms needs a number") }
            options.configuration.hangLimit = .milliseconds(millis)
        case "--keep-urls": options.configuration.keepStoredURLs = true
        case "--verbose", "-v": options.verbose = true
        case "--help", "-h":
            print(usage)
            exit(0)
        default: fail("unknown argument \"\(argument)\"")
        }
    }
    return options
}

let options = parse(Array(CommandLine.arguments.dropFirst()))
var configuration = options.configuration
guard configuration.dataDirectory != nil else { fail("--data is required") }

if let key = options.keyFromFlag ?? ProcessInfo.processInfo.environment["APPROVAL_API_KEY"], !key.isEmpty {
    configuration.apiKey = key
}

if let faultsFile = options.faultsFile {
    do {
        configuration.faults = try SimulatedFault.list(json: try JSONParser().parse(contentsOf: faultsFile))
    } catch {
        fail("cannot read --faults \(faultsFile): \(error)", code: 65)
    }
}

let logLevel: Logger.Level = options.verbose ? .debug : .warning
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = logLevel
    return handler
}
configuration.logger = Logger(label: "approval-api-sim")

let simulator: APISimulator
do {
    simulator = try APISimulator(configuration: configuration)
} catch {
    fail("\(error)", code: 66)
}

let host = configuration.host
let keyMode = configuration.apiKey == nil ? "any non-empty API key accepted" : "API key checked"
FileHandle.standardError.write(
    Data("approval-api-sim: serving \(simulator.taskIDs.count) task(s); \(keyMode)\n".utf8))

do {
    try await simulator.run(handleSignals: true) { port in
        // Unbuffered, so a parent process sees the line at once.
        FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)\n".utf8))
    }
} catch {
    fail("\(error)", code: 69)
}
