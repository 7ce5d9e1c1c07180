#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a file rdmatop writes is created.
public enum OutputCreation: Sendable, Equatable {
    /// A new file (mode 0644, less the umask), or an existing regular file replaced.
    case replace
    /// A new file of mode 0600, refusing a path that exists: what rdmatop writes as root and
    /// keeps to root (captures carry payload bytes: `-w`; verifier logs).
    case newPrivate
}

/// Opens files for writing the way a program running as root must: never through a
/// symbolic link (the last component: O_NOFOLLOW), never into a FIFO or a device (opened
/// non-blocking, so a FIFO without a reader cannot hang the open, then checked to be a
/// regular file), and an existing file truncated only once it is known to be one.
public enum SafeOutput {
    /// A descriptor open for writing on `path` (blocking writes; the caller closes it).
    public static func open(_ path: String, creation: OutputCreation) throws(CaptureError) -> Int32 {
        var flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
        if creation == .newPrivate { flags |= O_EXCL }
        let mode: mode_t = creation == .newPrivate ? 0o600 : 0o644
        var descriptor: Int32
        repeat {
            descriptor = Glibc.open(path, flags, mode)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else {
            let code = errno
            var link = stat()
            if (code == ELOOP || code == EEXIST) && lstat(path, &link) == 0 && link.st_mode & S_IFMT == S_IFLNK {
                throw CaptureError(.cannotOpen("it is a symbolic link, and rdmatop does not write through one"), source: path)
            }
            switch code {
            case EEXIST:
                throw CaptureError(.cannotOpen("it exists, and rdmatop never replaces this file (remove it, or give a new name)"),
                                   source: path)
            case ENXIO:  // a FIFO with no reader (O_NONBLOCK), or a device that is not there
                throw CaptureError(.cannotOpen("not a regular file"), source: path)
            default:
                errno = code
                throw CaptureError.system(CaptureError.Kind.cannotOpen, source: path)
            }
        }
        var st = stat()
        guard fstat(descriptor, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            _ = closeDescriptor(descriptor)
            throw CaptureError(.cannotOpen("not a regular file"), source: path)
        }
        if st.st_size > 0 && ftruncate(descriptor, 0) != 0 {
            let error = CaptureError.system(CaptureError.Kind.cannotOpen, source: path)
            _ = closeDescriptor(descriptor)
            throw error
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return descriptor
    }

    /// Writes all of `text` to `descriptor`, retrying short writes; false on an error.
    public static func write(_ text: String, to descriptor: Int32) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var done = 0
            while done < bytes.count {
                let n = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
                if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { return false }
            }
            return true
        }
    }
}
