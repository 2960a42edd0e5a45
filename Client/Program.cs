namespace KinesisGrains.Client; public static class Program { public static int Main() => 0; }
