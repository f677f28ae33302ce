package dev.astrgate.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;

/**
 * Attachment metadata and bytes. Bytes are stored as fixed-size chunks so that every node can read them
 * and no upload or download holds a whole file in memory.
 */
public final class AttachmentRepository {
  public static final int CHUNK_BYTES = 512 * 1024;

  private final Vertx vertx;
  private final Pool pool;

  public AttachmentRepository(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  /** Stored attachment metadata; {@code filename} is the sanitized base name. */
  public record Attachment(String attachmentId, String filename, String type, String mimeType, long sizeBytes,
                           int chunkCount, String sha256) {
  }

  /** Copies an uploaded temp file into the database in one transaction: all chunks or none. */
  public Future<Attachment> save(String tempFile, String filename, String mimeType, String type) {
    String id = UUID.randomUUID().toString();
    return vertx.fileSystem().open(tempFile, new OpenOptions().setRead(true).setWrite(false).setCreate(false))
        .compose(file -> pool.withTransaction(conn -> conn
                .preparedQuery("INSERT INTO attachments (attachment_id, path, type, mime_type, size_bytes, chunk_count, sha256)"
                    + " VALUES ($1, $2, $3, $4, 0, 0, '')")
                .execute(Tuple.of(id, filename, type, mimeType))
                .compose(v -> copyChunks(conn, file, id, 0, 0L, sha256()))
                .compose(done -> conn.preparedQuery("UPDATE attachments SET size_bytes = $2, chunk_count = $3, sha256 = $4"
                        + " WHERE attachment_id = $1")
                    .execute(Tuple.of(id, done.size(), done.chunks(), done.sha256()))
                    .map(v -> new Attachment(id, filename, type, mimeType, done.size(), done.chunks(), done.sha256()))))
            .eventually(file::close));
  }

  private record Copied(long size, int chunks, String sha256) {
  }

  private Future<Copied> copyChunks(SqlConnection conn, AsyncFile file, String id, int seq, long pos, MessageDigest digest) {
    return file.read(Buffer.buffer(CHUNK_BYTES), 0, pos, CHUNK_BYTES).compose(chunk -> {
      if (chunk.length() == 0) {
        return Future.succeededFuture(new Copied(pos, seq, HexFormat.of().formatHex(digest.digest())));
      }
      digest.update(chunk.getBytes());
      return conn.preparedQuery("INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES ($1, $2, $3)")
          .execute(Tuple.of(id, seq, chunk))
          .compose(v -> copyChunks(conn, file, id, seq + 1, pos + chunk.length(), digest));
    });
  }

  public Future<Optional<Attachment>> find(String attachmentId) {
    return pool.preparedQuery("SELECT attachment_id, path, type, mime_type, size_bytes, chunk_count, sha256"
            + " FROM attachments WHERE attachment_id = $1")
        .execute(Tuple.of(attachmentId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(toAttachment(rows.iterator().next())));
  }

  /** A whole attachment in memory; {@code data} is null when it is larger than the cap the caller gave. */
  public record AttachmentBytes(Attachment meta, Buffer data) {
  }

  /** Reads a small attachment whole (for platforms that take inline bytes); the size is checked before any byte is read. */
  public Future<Optional<AttachmentBytes>> readAll(String attachmentId, long maxBytes) {
    return find(attachmentId).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture(Optional.empty());
      }
      Attachment a = found.get();
      if (a.sizeBytes() > maxBytes) {
        return Future.succeededFuture(Optional.of(new AttachmentBytes(a, null)));
      }
      return pool.preparedQuery("SELECT data FROM attachment_chunks WHERE attachment_id = $1 ORDER BY seq")
          .execute(Tuple.of(attachmentId))
          .map(rows -> {
            Buffer all = Buffer.buffer((int) a.sizeBytes());
            rows.forEach(r -> all.appendBuffer(r.getBuffer(0)));
            return Optional.of(new AttachmentBytes(a, all));
          });
    });
  }

  public Future<Buffer> chunk(String attachmentId, int seq) {
    return pool.preparedQuery("SELECT data FROM attachment_chunks WHERE attachment_id = $1 AND seq = $2")
        .execute(Tuple.of(attachmentId, seq))
        .map(rows -> rows.size() == 0 ? Buffer.buffer() : rows.iterator().next().getBuffer(0));
  }

  public Future<java.util.List<Attachment>> findAll(java.util.List<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(java.util.List.of());
    }
    return pool.preparedQuery("SELECT attachment_id, path, type, mime_type, size_bytes, chunk_count, sha256"
            + " FROM attachments WHERE attachment_id = ANY($1)")
        .execute(Tuple.of(ids.toArray(String[]::new)))
        .map(rows -> {
          java.util.List<Attachment> out = new java.util.ArrayList<>();
          rows.forEach(r -> out.add(toAttachment(r)));
          return out;
        });
  }

  private static Attachment toAttachment(Row r) {
    return new Attachment(r.getString("attachment_id"), r.getString("path"), r.getString("type"), r.getString("mime_type"),
        r.getLong("size_bytes"), r.getInteger("chunk_count"), r.getString("sha256"));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
