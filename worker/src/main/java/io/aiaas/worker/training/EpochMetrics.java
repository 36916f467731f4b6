package io.aiaas.worker.training;

/**
 * One epoch of the history: the training rows' loss and accuracy (means over the epoch's steps, weighted by the rows
 * of each step, as Keras reports them) and, when part of the dataset is held out, the same on those rows with dropout
 * off after the epoch.
 *
 * @param epoch from 1
 * @param valLoss null without validation rows
 * @param valAccuracy null without validation rows
 */
public record EpochMetrics(int epoch, double loss, double accuracy, Double valLoss, Double valAccuracy) {}
