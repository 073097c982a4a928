package dev.edgetrainer.server;

import dev.edgetrainer.model.runtime.TrainableModel;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class EdgeTrainerApplication {

    public static void main(String[] args) {
        // The native libraries load on the second core while Spring starts on this one.
        Thread preload = new Thread(TrainableModel::preload, "tflite-preload");
        preload.setDaemon(true);
        preload.start();
        SpringApplication.run(EdgeTrainerApplication.class, args);
    }

}
