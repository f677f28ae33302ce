package dev.astrgate.support;

import dev.astrgate.http.Contract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Map;

/** Validates a JSON response against the contract's response schema for its operation. */
public final class ContractCheck {
  private static volatile ResponseValidator validator;
  private static volatile Vertx owner;

  private ContractCheck() {
  }

  /**
   * Loads the contract; call from a test's setup thread, never from an event loop. The validator runs on a Vert.x of
   * its own: it outlives the test class that loaded it, whose Vert.x is closed when that class ends.
   */
  public static synchronized void load(Vertx ignored) {
    if (validator == null) {
      Vertx own = Vertx.vertx();
      OpenAPIContract contract = TestNode.await(OpenAPIContract.from(own, Contract.patched()));
      validator = ResponseValidator.create(own, contract);
    }
  }

  /** Passes the response through when it matches the contract's schema for its status, else fails with an AssertionError. */
  public static Future<HttpResponse<Buffer>> check(String method, String path, HttpResponse<Buffer> resp) {
    if (validator == null) {
      return Future.failedFuture(new IllegalStateException("ContractCheck.load was not called"));
    }
    return validator.validate(ValidatableResponse.create(resp.statusCode(), Map.of("Content-Type", "application/json"),
            resp.body(), "application/json"), Contract.operationId(method, path))
        .transform(ar -> ar.succeeded() ? Future.succeededFuture(resp)
            : Future.failedFuture(new AssertionError("response does not match the contract: " + ar.cause().getMessage()
                + "\n" + resp.bodyAsString())));
  }
}
