import Foundation
import GRDB

/// Storage failures the application answers with 503 rather than 500: the disk is full, the file is
/// read-only, another process holds the lock too long, the disk fails, or the database server cannot be
/// reached. Nothing was written.
public enum StorageProblem: String, Sendable {
    case full
    case readOnly = "read-only"
    case busy
    case ioError = "io-error"
    case unavailable

    public static func of(_ error: Error) -> StorageProblem? {
        if let error = error as? PostgresError {
            switch error.sqlState {
            case "53100": return .full  // disk full
            case "25006": return .readOnly  // a read-only transaction (a standby)
            // Canceled by statement_timeout, a lock that waited too long, or a conflict to retry.
            case "57014", "55P03", "40001", "40P01": return .busy
            default: return error.isUnavailable ? .unavailable : nil
            }
        }
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
