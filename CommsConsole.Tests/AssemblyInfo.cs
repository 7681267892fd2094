// Test hosts dispatch in the background on a 2-core machine; running collections one at a time keeps
// their timing honest and their output readable.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
