package dev.astrgate.support;

import dev.astrgate.http.Contract;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.util.Map;

/** Validates a JSON response against the contract's response schema for its operation. */
public final class ContractCheck {
  private static OpenAPIContract contract;

  private ContractCheck() {
  }

  /** Throws when the body does not match; call only for statuses the contract describes (200). */
  public static void validate(Vertx vertx, String method, String path, int status, Buffer body) {
    OpenAPIContract c;
    synchronized (ContractCheck.class) {
      if (contract == null) {
        contract = TestNode.await(OpenAPIContract.from(vertx, Contract.patched()));
      }
      c = contract;
    }
    ResponseValidator validator = ResponseValidator.create(vertx, c);
    TestNode.await(validator.validate(ValidatableResponse.create(status, Map.of("Content-Type", "application/json"), body,
        "application/json"), Contract.operationId(method, path)));
  }
}
