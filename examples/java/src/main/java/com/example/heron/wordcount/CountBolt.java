package com.example.heron.wordcount;

import java.util.HashMap;
import java.util.Map;

import org.apache.heron.api.bolt.BaseBasicBolt;
import org.apache.heron.api.bolt.BasicOutputCollector;
import org.apache.heron.api.topology.OutputFieldsDeclarer;
import org.apache.heron.api.tuple.Tuple;

/** Counts words; prints a word's count every 1000th time it is seen. */
public class CountBolt extends BaseBasicBolt {
  private static final long serialVersionUID = 1L;
  private final Map<String, Long> counts = new HashMap<>();

  @Override
  public void execute(Tuple input, BasicOutputCollector collector) {
    String word = input.getString(0);
    long count = counts.merge(word, 1L, Long::sum);
    if (count % 1000 == 0) {
      System.out.println(word + ": " + count);
    }
  }

  @Override
  public void declareOutputFields(OutputFieldsDeclarer declarer) {
    // A sink: emits nothing.
  }
}
