package heronrs.topology;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.heron.api.Config;
import org.apache.heron.api.HeronSubmitter;
import org.apache.heron.api.bolt.BaseBasicBolt;
import org.apache.heron.api.bolt.BasicOutputCollector;
import org.apache.heron.api.spout.BaseRichSpout;
import org.apache.heron.api.spout.SpoutOutputCollector;
import org.apache.heron.api.topology.OutputFieldsDeclarer;
import org.apache.heron.api.topology.TopologyBuilder;
import org.apache.heron.api.topology.TopologyContext;
import org.apache.heron.api.tuple.Fields;
import org.apache.heron.api.tuple.Tuple;
import org.apache.heron.api.tuple.Values;

/**
 * A small but ordinary Heron Java topology: a spout emitting words (parallelism 2) feeding a counting bolt
 * (parallelism 2) through a fields grouping on "word", on 2 stream managers.
 *
 * <p>{@code java -cp <this jar> heronrs.topology.WordCountTopology [name]} with HERON_OPTIONS set the way
 * {@code heron submit} sets it makes Heron's own HeronSubmitter write {@code <tmpdir>/<name>.defn}.
 * The default name is {@code JavaWordCount}.
 */
public final class WordCountTopology {
  private WordCountTopology() {}

  /** Emits random words from a fixed list. */
  public static final class WordSpout extends BaseRichSpout {
    private static final long serialVersionUID = 1L;
    private static final String[] WORDS = {"heron", "aurora", "storm", "stream", "tuple"};
    private transient SpoutOutputCollector collector;
    private transient Random random;

    @Override
    public void open(Map<String, Object> conf, TopologyContext context, SpoutOutputCollector out) {
      this.collector = out;
      this.random = new Random();
    }

    @Override
    public void nextTuple() {
      collector.emit(new Values(WORDS[random.nextInt(WORDS.length)]));
    }

    @Override
    public void declareOutputFields(OutputFieldsDeclarer declarer) {
      declarer.declare(new Fields("word"));
    }
  }

  /** Counts words; emits (word, count). */
  public static final class CountBolt extends BaseBasicBolt {
    private static final long serialVersionUID = 1L;
    private final Map<String, Long> counts = new HashMap<>();

    @Override
    public void execute(Tuple tuple, BasicOutputCollector out) {
      String word = tuple.getString(0);
      long n = counts.merge(word, 1L, Long::sum);
      out.emit(new Values(word, n));
    }

    @Override
    public void declareOutputFields(OutputFieldsDeclarer declarer) {
      declarer.declare(new Fields("word", "count"));
    }
  }

  public static void main(String[] args) throws Exception {
    String name = args.length > 0 ? args[0] : "JavaWordCount";

    TopologyBuilder builder = new TopologyBuilder();
    builder.setSpout("word", new WordSpout(), 2);
    builder.setBolt("count", new CountBolt(), 2)
        .fieldsGrouping("word", new Fields("word"))
        .addConfiguration("count.bolt.note", "per-component value");

    Config conf = new Config();
    conf.setNumStmgrs(2);
    conf.setTopologyReliabilityMode(Config.TopologyReliabilityMode.ATLEAST_ONCE);
    conf.setMessageTimeoutSecs(45);
    conf.setMaxSpoutPending(500);
    conf.setDebug(false);
    conf.put("heronrs.custom.string", "a value with spaces");
    // A non-string value: Heron stores it Java-serialized in the .defn.
    List<String> custom = new ArrayList<>(List.of("x", "y"));
    conf.put("heronrs.custom.list", custom);

    HeronSubmitter.submitTopology(name, conf, builder.createTopology());
  }
}
