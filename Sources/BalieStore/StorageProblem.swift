import Foundation
import GRDB

/// Storage failures the application answers with 503 rather than 500: the disk is full, the file is
/// read-only, another process holds the lock too long, or the disk fails. Nothing was written.
public enum StorageProblem: String, Sendable {
    case full
    case readOnly = "read-only"
    case busy
    case ioError = "io-error"

    public static func of(_ error: Error) -> StorageProblem? {
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL: return .full
        case .SQLITE_READONLY: return .readOnly
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy
        case .SQLITE_IOERR, .SQLITE_CANTOPEN: return .ioError
        default: return nil
        }
    }
}
