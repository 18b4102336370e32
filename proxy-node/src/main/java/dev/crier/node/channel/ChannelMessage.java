package dev.crier.node.channel;

/**
 * One message of a channel.
 *
 * @param seq its place in the channel, from 1: the {@code id:} its reader sees
 * @param streamId the producer's name for the stream it belongs to: the {@code event:} field
 * @param body what the producer wrote, as it wrote it
 */
public record ChannelMessage(long seq, String streamId, String body) {}
