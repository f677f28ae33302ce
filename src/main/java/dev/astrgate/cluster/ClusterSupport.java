package dev.astrgate.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.JoinConfig;
import dev.astrgate.config.NodeOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.util.Arrays;

/** Builds a clustered Vert.x from cluster.xml, with TCP/IP members from the environment and multicast off. */
public final class ClusterSupport {
  private ClusterSupport() {
  }

  public static Future<Vertx> clusteredVertx(NodeOptions options) {
    return clusteredVertx(options, null);
  }

  /** With {@code metrics} set, Vert.x reports its HTTP, pool and event-bus metrics into that registry. */
  public static Future<Vertx> clusteredVertx(NodeOptions options, io.micrometer.core.instrument.MeterRegistry metrics) {
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
    VertxOptions vo = new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(options.eventLoops())
        .setEventBusOptions(new EventBusOptions().setHost(options.clusterHost()));
    var builder = Vertx.builder().with(vo).withClusterManager(manager);
    if (metrics != null) {
      vo.setMetricsOptions(new io.vertx.micrometer.MicrometerMetricsOptions().setEnabled(true));
      builder.withMetrics(new io.vertx.micrometer.MicrometerMetricsFactory(metrics));
    }
    return builder.buildClustered();
  }
}
