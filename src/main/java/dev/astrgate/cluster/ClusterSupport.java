package dev.astrgate.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.JoinConfig;
import dev.astrgate.config.NodeOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.util.Arrays;

/**
 * Builds the node's Vert.x: standalone, or clustered from cluster.xml with TCP/IP members from the environment and
 * multicast off. Both share one set of options (native transport, event loops, metrics).
 */
public final class ClusterSupport {
  private ClusterSupport() {
  }

  /** Clustered when the options say so; with {@code metrics} set, Vert.x reports into that registry. */
  public static Future<Vertx> vertx(NodeOptions options, MeterRegistry metrics) {
    if (options.cluster()) {
      return clusteredVertx(options, metrics);
    }
    var builder = Vertx.builder().with(baseOptions(options, metrics));
    if (metrics != null) {
      builder.withMetrics(new MicrometerMetricsFactory(metrics));
    }
    return Future.succeededFuture(builder.build());
  }

  private static VertxOptions baseOptions(NodeOptions options, MeterRegistry metrics) {
    VertxOptions vo = new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(options.eventLoops());
    if (metrics != null) {
      vo.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true));
    }
    return vo;
  }

  public static Future<Vertx> clusteredVertx(NodeOptions options) {
    return clusteredVertx(options, null);
  }

  /** With {@code metrics} set, Vert.x reports its HTTP, pool and event-bus metrics into that registry. */
  public static Future<Vertx> clusteredVertx(NodeOptions options, MeterRegistry metrics) {
    System.setProperty("hazelcast.logging.type", "slf4j");
    Config config;
    try {
      config = Files.isRegularFile(options.clusterConfig())
          ? new FileSystemXmlConfig(options.clusterConfig().toFile())
          : new HazelcastClusterManager().loadConfig();
    } catch (FileNotFoundException e) {
      return Future.failedFuture(e);
    }
    config.setInstanceName(options.nodeName());
    if (options.clusterName() != null) {
      config.setClusterName(options.clusterName());
    }
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true)
        .setMembers(Arrays.stream(options.clusterMembers().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
    HazelcastClusterManager manager = new HazelcastClusterManager(config);
    VertxOptions vo = baseOptions(options, metrics)
        .setEventBusOptions(new EventBusOptions().setHost(options.clusterHost()));
    var builder = Vertx.builder().with(vo).withClusterManager(manager);
    if (metrics != null) {
      builder.withMetrics(new MicrometerMetricsFactory(metrics));
    }
    return builder.buildClustered();
  }
}
